"""Key operations: rotation, selection, reports, checks and bulk changes, driven through the clients."""
