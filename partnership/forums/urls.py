from django.urls import path

from . import views

app_name = "forums"

urlpatterns = [
    path("organisation/<uuid:organisation_pk>/", views.forum_list, name="list"),
    path("organisation/<uuid:organisation_pk>/add/", views.add_forum, name="add"),
    path("<uuid:pk>/", views.forum_detail, name="forum"),
    path("<uuid:pk>/constitution/", views.edit_forum, name="edit"),
    path("<uuid:pk>/members/add/", views.add_member, name="add_member"),
    path("<uuid:pk>/meetings/add/", views.add_meeting, name="add_meeting"),
    path("<uuid:pk>/actions/add/", views.add_action, name="add_action"),
    path("<uuid:pk>/calendar-link/", views.new_feed, name="new_feed"),
    path("<uuid:pk>/calendar-link/revoke/", views.revoke_feed, name="revoke_feed"),
    path("<uuid:pk>/calendar/<str:token>.ics", views.feed, name="feed"),
    path("meetings/<uuid:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<uuid:pk>/agenda/add/", views.add_agenda_item, name="add_agenda_item"),
    path("meetings/<uuid:pk>/attendance/", views.attendance, name="attendance"),
    path("meetings/<uuid:pk>/minutes/", views.minutes, name="minutes"),
    path("meetings/<uuid:pk>/minutes/agree/", views.agree_minutes, name="agree"),
    path("meetings/<uuid:pk>/decisions/add/", views.add_decision, name="add_decision"),
    path("meetings/<uuid:pk>/meeting.ics", views.meeting_ics, name="meeting_ics"),
    path("meetings/<uuid:pk>/agenda.pdf", views.agenda_pdf, name="agenda_pdf"),
    path("meetings/<uuid:pk>/minutes.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("papers/<uuid:pk>/", views.paper, name="paper"),
    path("actions/<uuid:pk>/", views.action_detail, name="action"),
]
