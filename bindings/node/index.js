'use strict';
// The addon does everything; this file only finds it. CMake installs it
// here, and build.js (npm's install step) builds it here.
module.exports = require('./build/Release/crelu.node');
