from ninja import NinjaAPI

api = NinjaAPI(title="Samverka API", version="1", urls_namespace="api")
