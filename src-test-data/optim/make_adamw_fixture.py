"""Makes adamw_torch.safetensors: torch.optim.AdamW on two parameters (one with weight decay, one
without) for four steps with given gradients and learning rates, and torch.nn.utils.clip_grad_norm_
on the same gradients. Run with /usr/bin/python3 (torch 1.13). Keys:
  w0, b0                initial parameters (float32)
  grad{t}.w, grad{t}.b  gradients of step t = 1..4
  lr                    learning rate of each step (float64, [4])
  after{t}.w, after{t}.b  parameters after step t
  exp_avg.w, exp_avg_sq.w, exp_avg.b, exp_avg_sq.b   optimizer state after step 4
  clip.norm             total norm of (grad1.w, grad1.b) that clip_grad_norm_ returned (float64, [1])
  clip.w, clip.b        those gradients after clip_grad_norm_(max_norm=CLIP)
Hyper-parameters are in the metadata."""
import json
import os
import struct

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
BETAS = (0.9, 0.95)
EPS = 1e-8
WD = 0.05
CLIP = 0.5

torch.manual_seed(0)
w = torch.randn(5, 3, dtype=torch.float32)
b = torch.randn(3, dtype=torch.float32)
grads = [(torch.randn(5, 3) * 0.3, torch.randn(3) * 0.3) for _ in range(4)]
lrs = [1e-2, 2e-2, 5e-3, 1e-3]

pw = torch.nn.Parameter(w.clone())
pb = torch.nn.Parameter(b.clone())
opt = torch.optim.AdamW([{"params": [pw], "weight_decay": WD}, {"params": [pb], "weight_decay": 0.0}],
                        lr=lrs[0], betas=BETAS, eps=EPS)
out = {"w0": w.numpy(), "b0": b.numpy(), "lr": np.array(lrs, dtype=np.float64)}
for t, ((gw, gb), lr) in enumerate(zip(grads, lrs), start=1):
    for group in opt.param_groups:
        group["lr"] = lr
    pw.grad = gw.clone()
    pb.grad = gb.clone()
    opt.step()
    out[f"grad{t}.w"] = gw.numpy()
    out[f"grad{t}.b"] = gb.numpy()
    out[f"after{t}.w"] = pw.detach().numpy().copy()
    out[f"after{t}.b"] = pb.detach().numpy().copy()
out["exp_avg.w"] = opt.state[pw]["exp_avg"].numpy()
out["exp_avg_sq.w"] = opt.state[pw]["exp_avg_sq"].numpy()
out["exp_avg.b"] = opt.state[pb]["exp_avg"].numpy()
out["exp_avg_sq.b"] = opt.state[pb]["exp_avg_sq"].numpy()

cw = torch.nn.Parameter(torch.zeros(5, 3))
cb = torch.nn.Parameter(torch.zeros(3))
cw.grad = grads[0][0].clone()
cb.grad = grads[0][1].clone()
norm = torch.nn.utils.clip_grad_norm_([cw, cb], max_norm=CLIP)
out["clip.norm"] = np.array([float(norm)], dtype=np.float64)
out["clip.w"] = cw.grad.numpy()
out["clip.b"] = cb.grad.numpy()

DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64"}
header = {"__metadata__": {"beta1": str(BETAS[0]), "beta2": str(BETAS[1]), "eps": str(EPS),
                           "weight_decay": str(WD), "clip": str(CLIP), "torch": torch.__version__}}
blobs = []
offset = 0
for k in sorted(out):
    a = np.ascontiguousarray(out[k])
    data = a.astype(a.dtype.newbyteorder("<")).tobytes()
    header[k] = {"dtype": DTYPES[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
h = json.dumps(header).encode()
h += b" " * ((8 - len(h) % 8) % 8)
with open(os.path.join(HERE, "adamw_torch.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h)))
    f.write(h)
    for blob in blobs:
        f.write(blob)
print("norm", float(norm), "after4.w[0]", out["after4.w"][0])
