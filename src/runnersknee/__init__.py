"""runnersknee: self-hosted physical therapy software for patellofemoral pain (runner's knee)."""

__version__ = "0.1.0"

__all__ = ["__version__"]
