"""Pages of oversight: the company evaluation."""

from django.urls import path

from ombud.oversight import views_evaluation

urlpatterns = [
    path("oversight/evaluation/", views_evaluation.scorecard_page, name="evaluation"),
]
