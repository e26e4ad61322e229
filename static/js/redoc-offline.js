// Redoc's sidebar credit ("API docs by Redocly") shows a logo from cdn.redoc.ly, with no option to
// leave it out. The docs are served offline and our Content-Security-Policy refuses other hosts, so
// the browser would log a refusal on every visit: an image whose address is on that CDN is hidden and
// gets no address at all, whether given as an attribute or as the property (React sets both); the
// credit link keeps its words. Loaded before Redoc's bundle.
(function () {
  "use strict";
  const CDN = "https://cdn.redoc.ly/";
  const offCdn = (element, value) => {
    if (!String(value).startsWith(CDN)) return false;
    element.hidden = true;
    return true;
  };
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLImageElement && String(name).toLowerCase() === "src" && offCdn(this, value)) return;
    setAttribute.call(this, name, value);
  };
  const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get() { return src.get.call(this); },
    set(value) { if (!offCdn(this, value)) src.set.call(this, value); },
  });
})();
