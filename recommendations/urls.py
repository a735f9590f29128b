from django.urls import path

from recommendations import views

urlpatterns = [path("", views.home, name="home")]
