"""Pages of typical cases (典型案例); url names are "oversight:<name>".

The two public pages (typical-public-list, typical-public-detail) need no login.
"""

from django.urls import path

from ombud.oversight.typical import views

urlpatterns = [
    path("oversight/typical-cases/", views.typical_list, name="typical-list"),
    path("oversight/typical-cases/new/", views.typical_new, name="typical-new"),
    path("oversight/typical-cases/<int:typical_id>/", views.typical_detail, name="typical-detail"),
    path("oversight/typical-cases/<int:typical_id>/<slug:action>/", views.typical_action, name="typical-action"),
    path("typical-cases/", views.public_list, name="typical-public-list"),
    path("typical-cases/<slug:public_id>/", views.public_detail, name="typical-public-detail"),
]
