from django.urls import path

from events import views
from events.feeds import UpcomingEventFeed

app_name = "events"

urlpatterns = [
    path("", views.UpcomingView.as_view(), name="upcoming"),
    path("archiv/", views.ArchiveView.as_view(), name="archive"),
    path("feed/", UpcomingEventFeed(), name="feed"),
    path("kalender.ics", views.calendar_ics, name="calendar"),
    path("<slug:slug>.ics", views.event_ics, name="ics"),
    path("<slug:slug>/", views.EventDetailView.as_view(), name="detail"),
    path("<slug:slug>/vorschaubild.png", views.social_card, name="card"),
]
