"""The predict suite's ONNX serving peer: the seeds' FastAPI model-serving shape
(POST /predict, POST /predict/batch, GET /health) over the same ONNX file our ModelRuntime loads,
on onnxruntime from PyPI (bench/peers/onnx-serving-env.sh makes the venv), one uvicorn worker.

    python onnx_serving.py MODEL.onnx PORT

A request carries the model's feature vector(s) already engineered, as such services take them:
  POST /predict        {"features": [f1, ..., fN]}            -> {"prediction": y}
  POST /predict/batch  {"instances": [[f1, ..., fN], ...]}    -> {"predictions": [y, ...]}
Same session options as ours: one intra-op thread, sequential execution, all graph optimisations.
"""
import sys
from typing import List

import numpy as np
import onnxruntime as ort
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

MODEL_PATH = sys.argv[1]
PORT = int(sys.argv[2])

options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
session = ort.InferenceSession(MODEL_PATH, sess_options=options, providers=["CPUExecutionProvider"])
INPUT = session.get_inputs()[0].name
OUTPUT = session.get_outputs()[0].name

app = FastAPI(title="onnx-serving peer")


class PredictRequest(BaseModel):
    features: List[float]


class BatchRequest(BaseModel):
    instances: List[List[float]]


def run(rows: List[List[float]]) -> List[float]:
    out = session.run([OUTPUT], {INPUT: np.asarray(rows, dtype=np.float32)})[0]
    return out.reshape(len(rows), -1)[:, 0].tolist()


@app.get("/health")
def health() -> dict:
    return {"status": "ok", "model": MODEL_PATH, "onnxruntime": ort.__version__}


# plain `def` handlers run in FastAPI's thread pool; the session run is short, so an async handler
# on the event loop (no thread hop) is the faster shape for this model
@app.post("/predict")
async def predict(req: PredictRequest) -> dict:
    return {"prediction": run([req.features])[0]}


@app.post("/predict/batch")
async def predict_batch(req: BatchRequest) -> dict:
    return {"predictions": run(req.instances)}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=PORT, workers=1, loop="uvloop", http="httptools", log_level="warning", access_log=False)
