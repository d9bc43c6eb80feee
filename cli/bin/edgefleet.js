#!/usr/bin/env node
// placeholder: replaced by the CLI work
console.log("edgefleet");
