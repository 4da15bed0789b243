"""Reconstruction engines: summary numbers or a digitised curve -> pseudo-patients."""
