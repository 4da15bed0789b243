"""Curated, cited trial summaries shipped with lmssurv (one TOML file per trial)."""
