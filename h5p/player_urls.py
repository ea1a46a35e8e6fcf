"""The only URLs answered on the player origin (H5P_PLAYER_ORIGIN)."""

from django.urls import path

from h5p import player

urlpatterns = [
    path("h5p/player/<uuid:content_uuid>/", player.player_page, name="h5p_player"),
    path("h5p/player/<uuid:content_uuid>/h5p.json", player.h5p_json, name="h5p_player_h5p_json"),
    path("h5p/player/<uuid:content_uuid>/content/<path:path>", player.content_file, name="h5p_player_content"),
    path(
        "h5p/player/<uuid:content_uuid>/libraries/<str:folder>/<path:path>",
        player.library_file,
        name="h5p_player_library",
    ),
    path("h5p/assets/<str:version>/<path:path>", player.asset, name="h5p_player_asset"),
]

handler400 = "h5p.player.bad_request"
handler403 = "h5p.player.forbidden"
handler404 = "h5p.player.not_found"
handler500 = "h5p.player.server_error"
