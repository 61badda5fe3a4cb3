# NVML test double profile: two A100-SXM4-80GB (Ampere, 8.0), driver 580 / CUDA 13.0; GPU 0 in
# MIG mode with three instances (a CUDA process sees one, addressed by its MIG UUID), GPU 1 whole.
# Format: tests/nvml_double/README.md. Absent device keys read as NVML_ERROR_NOT_SUPPORTED.
driver_version=580.95.05
cuda_driver_version=13000
nvml_version=13.580.95.05

[device]
name=NVIDIA A100-SXM4-80GB
uuid=GPU-397435f1-65d0-714c-5313-0dd85be1d860
pci_bus_id=00000000:07:00.0
pci_device_id=0x20B210DE
pci_subsystem_id=0x147F10DE
compute_capability=8.0
memory_total_mib=81920
memory_reserved_mib=589
memory_used_mib=1
temperature_c=28
power_draw_mw=52000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=1
mig_mode_pending=1
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[mig_device]
name=NVIDIA A100-SXM4-80GB MIG 3g.40gb
uuid=MIG-4b7a1c2e-93d1-5d6e-9f00-1a2b3c4d5e6f
memory_total_mib=40192

[mig_device]
name=NVIDIA A100-SXM4-80GB MIG 2g.20gb
uuid=MIG-5c8b2d3f-a4e2-6e7f-a011-2b3c4d5e6f70
memory_total_mib=19968

[mig_device]
name=NVIDIA A100-SXM4-80GB MIG 1g.10gb
uuid=MIG-6d9c3e40-b5f3-7f80-b122-3c4d5e6f7081
memory_total_mib=9856

[device]
name=NVIDIA A100-SXM4-80GB
uuid=GPU-8f6e7a0c-1b2d-4e3f-9a8b-7c6d5e4f3a2b
pci_bus_id=00000000:0F:00.0
pci_device_id=0x20B210DE
pci_subsystem_id=0x147F10DE
compute_capability=8.0
memory_total_mib=81920
memory_reserved_mib=589
memory_used_mib=1
temperature_c=29
power_draw_mw=53000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0
