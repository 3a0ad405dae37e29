"""What the Chalice apps share: auth, request parsing and problem+json responses."""
