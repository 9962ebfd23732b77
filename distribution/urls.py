from django.urls import path

from distribution import invitations, signup, views

app_name = "distribution"

# The personal links' tokens (Contact, Guest) are secrets.token_urlsafe(): the slug
# alphabet, so anything else (a NUL PostgreSQL cannot compare) is a 404 before the database.
urlpatterns = [
    path("", signup.signup, name="signup"),
    path("bestaetigen/<str:token>/", signup.confirm, name="confirm"),
    path("einstellungen/<slug:token>/", signup.subscription, name="settings"),
    path("antwort/<slug:token>/", invitations.answer, name="answer"),
    path("abmelden/<slug:token>/", views.unsubscribe, name="unsubscribe"),
    path("foto/<str:token>/", views.photo, name="photo"),
]
