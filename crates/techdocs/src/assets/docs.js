// Copy buttons on code blocks; the docs read fine without this script.
document.querySelectorAll(".highlight").forEach(function (block) {
  var code = block.querySelector("td.code code, pre code");
  if (!code || !navigator.clipboard) return;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "gr-copy";
  button.textContent = "Copy";
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(code.innerText).then(function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 1500);
    });
  });
  block.appendChild(button);
});
