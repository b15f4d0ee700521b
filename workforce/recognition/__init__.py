"""Recognition: colleagues nominating colleagues for the organization's values."""
