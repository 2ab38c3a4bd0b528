
/* Spectate's patch to Leaflet (appended to leaflet.js by scripts/vendor.sh).
 *
 * A Leaflet tooltip reads its box (offsetWidth, offsetHeight) every time it is placed,
 * and a label is placed again each time its marker moves. With markers gliding, that
 * is one forced layout per label per frame: in a Chromium profile of the demo race's
 * map at a phone's speed (4x CPU slowdown), Tooltip._setPosition took 419 ms of the
 * first 5 s. Here the box is read once and kept until the label's content changes:
 * Leaflet's own setContent/update, or the page's `tooltip.resized()` after it changes
 * the label's text.
 *
 * The first read is batched too: a new label is placed at once by its point, and the
 * boxes of all labels added in the same task are read together at its end (one layout
 * instead of one a label: the map's first view adds every label at once), then each
 * is placed again by its box. The placement arithmetic is Leaflet 1.9's
 * (BSD-2-Clause). */
(function (L) {
  if (!L || !L.Tooltip) return;
  var proto = L.Tooltip.prototype;
  var updateContent = proto._updateContent;
  proto._updateContent = function () {
    this._box = null;
    return updateContent.apply(this, arguments);
  };
  proto.resized = function () {
    this._box = null;
  };
  var pending = [];
  function measurePending() {
    var list = pending;
    pending = [];
    var i, t, c;
    // All the reads first (one layout), then the writes.
    for (i = 0; i < list.length; i++) {
      t = list[i];
      t._queued = false;
      c = t._container;
      if (t._map && c && !t._box && c.offsetWidth > 0 && c.offsetHeight > 0) {
        t._box = [c.offsetWidth, c.offsetHeight];
      }
    }
    // Only a label that got its box is placed again, so a label that has none (on a
    // hidden map) waits for its next move instead of queueing itself forever.
    for (i = 0; i < list.length; i++) {
      if (list[i]._map && list[i]._box) list[i]._updatePosition();
    }
  }
  proto._setPosition = function (pos) {
    var map = this._map, container = this._container;
    var box = this._box;
    if (!box) {
      if (!this._queued) {
        this._queued = true;
        if (pending.push(this) === 1) Promise.resolve().then(measurePending);
      }
      box = [0, 0];
    }
    var width = box[0], height = box[1];
    var direction = this.options.direction;
    var offset = L.point(this.options.offset);
    var anchor = this._getAnchor();
    var subX, subY;
    if (direction === 'top') { subX = width / 2; subY = height; }
    else if (direction === 'bottom') { subX = width / 2; subY = 0; }
    else if (direction === 'center') { subX = width / 2; subY = height / 2; }
    else if (direction === 'right') { subX = 0; subY = height / 2; }
    else if (direction === 'left') { subX = width; subY = height / 2; }
    else if (map.layerPointToContainerPoint(pos).x < map.latLngToContainerPoint(map.getCenter()).x) {
      direction = 'right'; subX = 0; subY = height / 2;
    } else {
      direction = 'left'; subX = width + (offset.x + anchor.x) * 2; subY = height / 2;
    }
    pos = pos.subtract(L.point(subX, subY, true)).add(offset).add(anchor);
    if (this._placed !== direction) {
      L.DomUtil.removeClass(container, 'leaflet-tooltip-' + this._placed);
      L.DomUtil.addClass(container, 'leaflet-tooltip-' + direction);
      this._placed = direction;
    }
    L.DomUtil.setPosition(container, pos);
  };
})(window.L);
