"""mipanel: mutual-information estimates you can trust."""
