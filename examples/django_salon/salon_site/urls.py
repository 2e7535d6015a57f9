"""The salon example's URLs."""

from django.urls import path

from salon import views

urlpatterns = [path("bookings", views.book, name="book")]
