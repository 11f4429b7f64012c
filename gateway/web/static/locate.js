// "Use my location": fills the latitude and longitude fields from the browser, when it can.
// Without JavaScript the button stays hidden and the fields can be typed in.
(function () {
  var button = document.getElementById("locate");
  if (!button || !navigator.geolocation) { return; }
  var status = document.getElementById("locate-status");
  button.parentNode.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.locating;
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("lat").value = pos.coords.latitude.toFixed(4);
      document.getElementById("lon").value = pos.coords.longitude.toFixed(4);
      document.getElementById("centre").value = "";
      var details = document.querySelector("details.coords");
      if (details) { details.open = true; }
      status.textContent = "";
      button.form.submit();
    }, function () {
      status.textContent = button.dataset.failed;
    }, { timeout: 10000, maximumAge: 600000 });
  });
})();
