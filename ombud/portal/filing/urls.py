from django.urls import path

from ombud.portal.filing import views

urlpatterns = [
    path("file/", views.file_page, name="file"),
    path("file/done/", views.done, name="file_done"),
    path("dev/sms/", views.dev_sms, name="dev_sms"),
]
