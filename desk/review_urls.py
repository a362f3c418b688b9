"""The photo review and the LAPOR! inbox's routes (part B of the desk); none yet."""

urlpatterns = []
