# Sourced by the scripts: tools on PATH, Trunk kept offline and quiet about updates.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
export TRUNK_OFFLINE=true
export CHROMEDRIVER=/usr/bin/chromedriver
