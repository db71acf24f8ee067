// CloudFront Function (viewer request, default behaviour only): maps a page's URL to the file
// the Next.js static export wrote for it. With `trailingSlash: true` every page is
// `<route>/index.html`, so `/accounts/` and `/accounts` both mean `accounts/index.html`.
// Paths with a file extension (`/_next/static/…js`, `/favicon.ico`) pass through unchanged.
// `/api/*` never reaches this function: that behaviour goes to the API untouched.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.charAt(uri.length - 1) === "/") {
    request.uri = uri + "index.html";
  } else if (uri.substring(uri.lastIndexOf("/") + 1).indexOf(".") === -1) {
    request.uri = uri + "/index.html";
  }
  return request;
}
