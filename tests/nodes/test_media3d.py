"""The sandbox's 3D files decode as what they claim to be: GLB header/chunks/accessors, OBJ lines, FBX."""

from __future__ import annotations

import json
import struct

from nodes.sandbox import media3d


def test_glb_header_chunks_and_accessors() -> None:
    data = media3d.glb(7)
    magic, version, length = struct.unpack_from("<4sII", data)
    assert (magic, version, length) == (b"glTF", 2, len(data))
    json_len, json_type = struct.unpack_from("<II", data, 12)
    assert json_type == media3d.JSON_CHUNK
    assert json_len % 4 == 0
    document = json.loads(data[20 : 20 + json_len])
    bin_len, bin_type = struct.unpack_from("<II", data, 20 + json_len)
    assert bin_type == media3d.BIN_CHUNK
    assert 28 + json_len + bin_len == len(data)
    assert document["buffers"][0]["byteLength"] == bin_len
    sizes = {"VEC3": 12, "SCALAR": 2}
    for accessor in document["accessors"]:
        view = document["bufferViews"][accessor["bufferView"]]
        assert accessor["count"] * sizes[accessor["type"]] == view["byteLength"]
        assert view["byteOffset"] + view["byteLength"] <= bin_len
    assert media3d.glb(7) == data
    assert media3d.glb(8) != data


def test_obj_vertex_and_face_lines() -> None:
    lines = media3d.obj(1).decode().splitlines()
    vertices = [line for line in lines if line.startswith("v ")]
    faces = [line for line in lines if line.startswith("f ")]
    assert len(vertices) == 8
    assert len(faces) == 12
    assert all(1 <= int(i) <= 8 for face in faces for i in face.split()[1:])


def test_fbx_header_and_geometry() -> None:
    text = media3d.fbx(1).decode()
    assert text.startswith("; FBX 7.4.0 project file")
    assert "FBXVersion: 7400" in text
    assert 'Geometry: 1000, "Geometry::cube", "Mesh"' in text
    assert "Vertices: *24" in text
    assert "PolygonVertexIndex: *36" in text
