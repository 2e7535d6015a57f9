"""The salon app's configuration."""

from django.apps import AppConfig


class SalonConfig(AppConfig):
    """The salon app."""

    name = "salon"
    default_auto_field = "django.db.models.BigAutoField"
