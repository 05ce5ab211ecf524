from django.urls import path

from ombud.intake import views

app_name = "intake"
urlpatterns = [
    path("visits/", views.visit_list, name="list"),
    path("visits/new/", views.new_visit, name="new"),
    path("visits/<int:visit_id>/receipt/", views.receipt, name="receipt"),
]
