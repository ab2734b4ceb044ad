"""The loopback server used by the network tests really serves JSON-RPC over a socket."""

import json
import urllib.request

from loopback import LoopbackServer, Reply, json_rpc


def _post(url: str, body: object) -> tuple[int, object]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_json_rpc_roundtrip_and_recording() -> None:
    routes = json_rpc({"starknet_chainId": lambda params: "0x534e5f5345504f4c4941"})
    routes["/fail"] = lambda body: Reply(503, {"status": "down"})
    with LoopbackServer(routes) as srv:
        status, answer = _post(srv.url, {"jsonrpc": "2.0", "id": 7, "method": "starknet_chainId", "params": []})
        assert status == 200 and answer == {"jsonrpc": "2.0", "id": 7, "result": "0x534e5f5345504f4c4941"}
        status, answer = _post(srv.url, {"jsonrpc": "2.0", "id": 8, "method": "nope", "params": []})
        assert answer["error"]["code"] == -32601
        status, answer = _post(srv.url + "/fail", {})
        assert status == 503
        assert [c["method"] for c in srv.rpc_calls()] == ["starknet_chainId", "nope"]
