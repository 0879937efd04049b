"""The seed tutorials' server: Flask, one route per model. Run by the benchmark with Flask's dev server (as the
tutorials do) and under gunicorn."""
import sys

from flask import Flask, jsonify, request

from models import predict

app = Flask(__name__)


@app.post("/models/<name>/predict")
def predict_route(name):
    return jsonify(predict(name, request.get_json()))


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]), debug=False)
