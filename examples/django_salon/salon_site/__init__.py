"""The salon example's Django project: settings and URLs."""
