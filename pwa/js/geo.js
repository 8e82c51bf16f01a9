// The phone's position, asked for politely: never blocks the UI, remembers the last fix.
let last = null;

export function lastFix() { return last; }

export function locate({ timeout = 10000, maximumAge = 300000 } = {}) {
  return new Promise((resolve) => {
    if (!('geolocation' in navigator)) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (p) => { last = { lat: p.coords.latitude, lng: p.coords.longitude, accuracy: p.coords.accuracy, at: p.timestamp }; resolve(last); },
      () => resolve(null),
      { enableHighAccuracy: true, timeout, maximumAge });
  });
}

// Great-circle distance in metres (haversine).
export function distanceM(a, b) {
  const rad = (d) => (d * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat), dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
}
