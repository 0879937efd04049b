"""The same routes on FastAPI, run by the benchmark under gunicorn with uvicorn workers."""
from fastapi import FastAPI, Request

from models import predict

app = FastAPI()


@app.post("/models/{name}/predict")
async def predict_route(name: str, request: Request):
    return predict(name, await request.json())
