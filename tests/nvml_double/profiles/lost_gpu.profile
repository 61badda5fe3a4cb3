# NVML test double profile: two H100 80GB HBM3 (Hopper, 9.0), driver 580 / CUDA 13.0; GPU 1 has
# fallen off the bus: NVML counts it, but its handle fails with NVML_ERROR_GPU_IS_LOST (15).
# Format: tests/nvml_double/README.md. Absent device keys read as NVML_ERROR_NOT_SUPPORTED.
driver_version=580.95.05
cuda_driver_version=13000
nvml_version=13.580.95.05

[device]
name=NVIDIA H100 80GB HBM3
uuid=GPU-b1f0c3a2-5d4e-4f6a-8b7c-9d0e1f2a3b4c
pci_bus_id=00000000:18:00.0
pci_device_id=0x233010DE
pci_subsystem_id=0x16C110DE
compute_capability=9.0
memory_total_mib=81559
memory_reserved_mib=535
memory_used_mib=1
temperature_c=30
power_draw_mw=70000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
handle_error=15
