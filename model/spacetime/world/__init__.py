"""World model: data, video I/O and training pieces."""
