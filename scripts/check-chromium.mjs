import { findChromium } from './chromium.mjs';

const path = findChromium();
if (!path) {
  console.error(
    'The end-to-end tests need Chromium, and none was found at $CHROMIUM_PATH or /usr/bin/chromium.\n' +
      'Install it with:  sudo apt-get install -y chromium   (Debian/Ubuntu)\n' +
      'or point CHROMIUM_PATH at a Chromium or Chrome binary. Playwright does not download browsers here.',
  );
  process.exit(1);
}
console.log(`Chromium: ${path}`);
