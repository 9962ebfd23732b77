from django.urls import path

from distribution import views

app_name = "distribution"

urlpatterns = [
    path("abmelden/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("foto/<str:token>/", views.photo, name="photo"),
]
