// Where TikTok lives for this build. `extension/build.py --test-origin` writes a copy of the
// extension whose config points at the local TikTok sandbox instead (tests only).
var VIEWPAY_CONFIG = {
  tiktokOrigin: "https://www.tiktok.com",
  defaultPaceSeconds: 20
};
