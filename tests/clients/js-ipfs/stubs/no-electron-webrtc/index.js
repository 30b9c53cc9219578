module.exports = () => { throw new Error("electron-webrtc is not available here") }
