"""Routes of reports to the media: the regulator's publish and list pages, and the public
report at /r/<public id>/ (no login) with its files and reaction poll."""

from django.urls import path

from ombud.reports.publication import views

app_name = "publication"
urlpatterns = [
    path("reports/publish/", views.publish_page, name="publish"),
    path("reports/published/", views.published_list, name="published"),
    path("reports/published/<str:public_id>/withdraw/", views.withdraw_view, name="withdraw"),
    path("r/", views.public_list, name="public-list"),
    path("r/<str:public_id>/", views.public_page, name="public"),
    path("r/<str:public_id>/react/", views.react_view, name="react"),
    path("r/<str:public_id>/report.docx", views.public_docx, name="docx"),
    path("r/<str:public_id>/report.xlsx", views.public_xlsx, name="xlsx"),
]
