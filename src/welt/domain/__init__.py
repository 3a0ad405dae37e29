"""The shoe business itself: orders, the catalog, pricing and the order life cycle. No I/O."""
