"""Pages of oversight: the company evaluation."""

from django.urls import path

from ombud.oversight.evaluation import views

urlpatterns = [
    path("oversight/evaluation/", views.scorecard_page, name="evaluation"),
]
