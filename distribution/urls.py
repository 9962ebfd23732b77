from django.urls import path

from distribution import invitations, signup, views

app_name = "distribution"

urlpatterns = [
    path("", signup.signup, name="signup"),
    path("bestaetigen/<str:token>/", signup.confirm, name="confirm"),
    path("einstellungen/<str:token>/", signup.subscription, name="settings"),
    path("antwort/<str:token>/", invitations.answer, name="answer"),
    path("abmelden/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("foto/<str:token>/", views.photo, name="photo"),
]
