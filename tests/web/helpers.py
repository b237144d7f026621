from tests.factories import PASSWORD


def login_client(app, username):
    """A separate browser: its own Flask test client (cookie jar), logged in."""
    client = app.test_client()
    response = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return client


def socket_for(app, client):
    from telemed.extensions import socketio

    sio = socketio.test_client(app, flask_test_client=client)
    assert sio.is_connected()
    return sio


def events(sio, name=None):
    received = sio.get_received()
    return [e for e in received if name is None or e["name"] == name]
