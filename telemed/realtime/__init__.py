"""Live events over Socket.IO on the default namespace."""
