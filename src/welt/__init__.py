"""Welt: the order desk of a made-to-order footwear factory."""
