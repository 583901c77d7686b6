from django.urls import path

from . import views

app_name = "casestudies"

urlpatterns = [
    path("", views.library, name="library"),
    path("collection.pdf", views.collection_pdf, name="collection_pdf"),
    path("new/", views.new_case_study, name="new"),
    path("closing/<uuid:criterion_pk>/", views.closing, name="closing"),
    path("<uuid:pk>/", views.case_study_page, name="case_study"),
    path("<uuid:pk>/case-study.pdf", views.case_study_pdf, name="pdf"),
    path("<uuid:pk>/edit/", views.edit_case_study, name="edit"),
    path("<uuid:pk>/approve/", views.approve, name="approve"),
    path("<uuid:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<uuid:pk>/attachments/", views.upload_attachment, name="attach"),
    path("attachments/<uuid:pk>/", views.download_attachment, name="attachment"),
    path("attachments/<uuid:pk>/remove/", views.remove_attachment, name="remove_attachment"),
]
