{
  "targets": [
    {
      "target_name": "wasmguard_io",
      "sources": [
        "native/addon.c",
        "native/common.c",
        "native/netif.c",
        "native/poller.c",
        "native/tun.c",
        "native/udp.c"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["OS!='linux'", { "type": "none", "sources": [] }]
      ]
    }
  ]
}
