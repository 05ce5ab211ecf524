from django.urls import path

from ombud.portal import views

app_name = "portal"
urlpatterns = [path("track/", views.track, name="track")]
