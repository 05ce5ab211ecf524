from django.urls import path

from bench.plain.api import api

urlpatterns = [path("plain/", api.urls)]
