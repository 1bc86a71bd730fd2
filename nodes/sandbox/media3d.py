"""Real 3D model files for the sandbox, made in pure Python: GLB (glTF 2.0 binary), OBJ and ASCII FBX.

Each file is a seeded, coloured unit cube: a pure function of the seed, so a signed URL can carry the
spec and any process can regenerate the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile

from nodes.sandbox.media import png_bytes

GLB_MAGIC = b"glTF"
JSON_CHUNK = 0x4E4F534A
BIN_CHUNK = 0x004E4942
FLOAT = 5126
UNSIGNED_SHORT = 5123
ARRAY_BUFFER = 34962
ELEMENT_ARRAY_BUFFER = 34963

# Eight corners of the unit cube centred on the origin, and its twelve triangles (counter-clockwise).
CORNERS: tuple[tuple[float, float, float], ...] = tuple(
    (x, y, z) for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)
)
TRIANGLES: tuple[tuple[int, int, int], ...] = (
    (0, 1, 3), (0, 3, 2), (4, 6, 7), (4, 7, 5), (0, 4, 5), (0, 5, 1),
    (2, 3, 7), (2, 7, 6), (0, 2, 6), (0, 6, 4), (1, 5, 7), (1, 7, 3),
)  # fmt: skip


def colour(seed: int) -> tuple[float, float, float]:
    """A base colour picked by a hash of the seed, so different prompts give different cubes."""
    digest = hashlib.sha256(str(seed).encode()).digest()
    return (digest[0] / 255, digest[1] / 255, digest[2] / 255)


def _pad(data: bytes, filler: bytes) -> bytes:
    """glTF chunks must be 4-byte aligned: JSON pads with spaces, BIN with zeros."""
    return data + filler * (-len(data) % 4)


def glb(seed: int = 0) -> bytes:
    """A glTF 2.0 binary file holding one coloured cube mesh (positions + indices)."""
    positions = b"".join(struct.pack("<3f", *corner) for corner in CORNERS)
    indices = _pad(b"".join(struct.pack("<3H", *tri) for tri in TRIANGLES), b"\x00")
    binary = positions + indices
    red, green, blue = colour(seed)
    document = {
        "asset": {"version": "2.0", "generator": "comfyweb sandbox"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": "cube"}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1, "material": 0}]}],
        "materials": [{"pbrMetallicRoughness": {"baseColorFactor": [red, green, blue, 1.0]}}],
        "buffers": [{"byteLength": len(binary)}],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": len(positions), "target": ARRAY_BUFFER},
            {
                "buffer": 0,
                "byteOffset": len(positions),
                "byteLength": len(TRIANGLES) * 6,
                "target": ELEMENT_ARRAY_BUFFER,
            },
        ],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": FLOAT,
                "count": len(CORNERS),
                "type": "VEC3",
                "min": [-0.5, -0.5, -0.5],
                "max": [0.5, 0.5, 0.5],
            },
            {"bufferView": 1, "componentType": UNSIGNED_SHORT, "count": len(TRIANGLES) * 3, "type": "SCALAR"},
        ],
    }
    json_chunk = _pad(json.dumps(document, separators=(",", ":")).encode(), b" ")
    chunks = struct.pack("<II", len(json_chunk), JSON_CHUNK) + json_chunk
    chunks += struct.pack("<II", len(binary), BIN_CHUNK) + binary
    return struct.pack("<4sII", GLB_MAGIC, 2, 12 + len(chunks)) + chunks


def obj(seed: int = 0) -> bytes:
    """A Wavefront OBJ text file of the same cube (1-based face indices)."""
    lines = [f"# comfyweb sandbox cube, seed {seed}", "o cube"]
    lines += [f"v {x} {y} {z}" for x, y, z in CORNERS]
    lines += [f"f {a + 1} {b + 1} {c + 1}" for a, b, c in TRIANGLES]
    return ("\n".join(lines) + "\n").encode()


def fbx(seed: int = 0) -> bytes:
    """An ASCII FBX 7.4 file of the same cube: header comment, header extension, Objects/Geometry."""
    vertices = ",".join(f"{v}" for corner in CORNERS for v in corner)
    # FBX marks the last index of each polygon by storing it as -(index + 1).
    polygons = ",".join(f"{a},{b},{-(c + 1)}" for a, b, c in TRIANGLES)
    text = f"""; FBX 7.4.0 project file
; comfyweb sandbox cube, seed {seed}
FBXHeaderExtension:  {{
\tFBXHeaderVersion: 1003
\tFBXVersion: 7400
\tCreator: "comfyweb sandbox"
}}
Objects:  {{
\tGeometry: 1000, "Geometry::cube", "Mesh" {{
\t\tVertices: *{len(CORNERS) * 3} {{
\t\t\ta: {vertices}
\t\t}}
\t\tPolygonVertexIndex: *{len(TRIANGLES) * 3} {{
\t\t\ta: {polygons}
\t\t}}
\t\tGeometryVersion: 124
\t}}
\tModel: 2000, "Model::cube", "Mesh" {{
\t\tVersion: 232
\t}}
}}
Connections:  {{
\tC: "OO",1000,2000
\tC: "OO",2000,0
}}
"""
    return text.encode()


def obj_zip(seed: int = 0) -> bytes:
    """Tencent's OBJ delivery: a ZIP of the OBJ mesh and its base-colour texture PNG (fixed entry times, so
    the bytes stay a pure function of the seed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (
            ("model.obj", obj(seed)),
            ("model.png", png_bytes(seed=seed, width=64, height=64)),
        ):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()
