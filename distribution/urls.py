from django.urls import path

from distribution import signup, views

app_name = "distribution"

urlpatterns = [
    path("", signup.signup, name="signup"),
    path("bestaetigen/<str:token>/", signup.confirm, name="confirm"),
    path("einstellungen/<str:token>/", signup.subscription, name="settings"),
    path("abmelden/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("foto/<str:token>/", views.photo, name="photo"),
]
